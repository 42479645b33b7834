print('load')
